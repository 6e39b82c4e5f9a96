/* global document */
// Progressive enhancement for "setting things up" pages: a form marked data-auto-submit is sent as soon as
// the page has loaded. Without JavaScript the page shows the same form's button instead.
for (const form of document.querySelectorAll('form[data-auto-submit]')) {
  const button = form.querySelector('button[type="submit"]');
  if (button) {
    button.disabled = true;
    button.textContent = 'Setting up…';
  }
  form.submit();
}
