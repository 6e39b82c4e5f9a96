/* global document, window */
// Print buttons need JavaScript, so they start hidden: without it the page offers only what works without.
for (const button of document.querySelectorAll('button[data-print]')) {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
}
