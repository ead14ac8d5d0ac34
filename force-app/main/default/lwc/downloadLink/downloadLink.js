/**
 * Starts a download through a temporary anchor placed in `container`, an element of the calling component's own
 * template (marked `lwc:dom="manual"`): the anchor stays inside the component's shadow tree, as Lightning Web
 * Security expects, and is removed once clicked. With `newTab` the link opens in a new tab, for a signed link the
 * backup service answers as an attachment; without, it saves `href` (an object URL) as `fileName` in place.
 */
export function followLink(container, href, fileName, newTab) {
  const anchor = document.createElement('a');
  anchor.href = href;
  anchor.download = fileName || '';
  if (newTab) {
    anchor.target = '_blank';
    anchor.rel = 'noopener noreferrer';
  }
  anchor.style.display = 'none';
  container.appendChild(anchor);
  anchor.click();
  container.removeChild(anchor);
}
