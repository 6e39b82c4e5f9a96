import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/** Renders a page component to a complete HTML document. Preact escapes every interpolated value. */
export function renderDocument(page: VNode): string {
  return `<!doctype html>${renderToString(page)}`;
}

/** Renders part of a page (escaped like any page), e.g. to cache it and embed it later. */
export function renderFragment(fragment: VNode): string {
  return renderToString(fragment);
}
