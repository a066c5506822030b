/** The status page's two static files, served from memory (no files to ship beside the code). */

/**
 * `/status-page.js`: replaces the page's <main> with a freshly rendered one shortly after each epoch boundary.
 * The page is complete without it; on failure it keeps the last data and says so.
 */
export const STATUS_PAGE_JS = `// Refreshes the BASE status page once per epoch; the page works without this script.
'use strict';
(() => {
  const seconds = Math.max(Number(document.body.dataset.epochSeconds) || 60, 5);
  const state = document.getElementById('refresh-state');
  const untilNextEpoch = () => seconds * 1000 - (Date.now() % (seconds * 1000)) + 3000;
  const sealedEpoch = (root) => Number(root.querySelector('#vector-epoch')?.dataset.epoch || NaN);
  let early = 0;
  async function refresh() {
    let wait = untilNextEpoch();
    try {
      const response = await fetch(location.pathname, { headers: { accept: 'text/html' }, cache: 'no-store' });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const next = new DOMParser().parseFromString(await response.text(), 'text/html').getElementById('status');
      const current = document.getElementById('status');
      if (next === null || current === null) throw new Error('unexpected page');
      // The epoch that just began is sealed a little after its start: look again soon, a few times, until it is.
      // A master that stopped sealing is looked at once an epoch again after those few tries.
      const stale = sealedEpoch(next) < Math.floor(Date.now() / 1000 / seconds);
      if (!stale) early = 0;
      else if (early < 3) {
        early += 1;
        wait = Math.min(wait, 4000);
      }
      current.replaceWith(document.adoptNode(next));
      if (state) state.textContent = 'Updated ' + new Date().toLocaleTimeString();
    } catch (error) {
      if (state) state.textContent = 'Refresh failed (' + (error instanceof Error ? error.message : 'error') + '); showing the last data';
    } finally {
      setTimeout(refresh, wait);
    }
  }
  setTimeout(refresh, untilNextEpoch());
})();
`;

/** `/favicon.svg`: the emission bar in three Okabe–Ito colours and the burn grey. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#15171a"/>' +
  '<rect x="2" y="4" width="5" height="8" fill="#E69F00"/><rect x="7" y="4" width="3" height="8" fill="#56B4E9"/>' +
  '<rect x="10" y="4" width="2" height="8" fill="#009E73"/><rect x="12" y="4" width="2" height="8" fill="#8C8C8C"/></svg>\n';
