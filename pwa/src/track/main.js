// The customer's tracking page (/t/<token>): no login, the token in the address is the only key.
// Phone first and light: lit-html and the shared API client load with the page; Socket.IO comes
// after the first paint and only while the order is still moving; the map (Leaflet) only when the
// driver's position is shown (while this stop is the driver's next one).
// state: store.js; what the page does: actions.js; what it shows: views.js; the map: map.js.
import { render } from 'lit-html';
import { get } from '../shared/api.js';
import { t } from '../shared/i18n.js';
import { isLive, lastLoad, load, loadSoon } from './actions.js';
import { useLanguage } from './languages.js';
import { mergeMessages } from './messages.js';
import { page } from './views.js';
import { root, setRenderer, state, token, update } from './store.js';
import './styles.css';

const REFRESH_MS = 60 * 1000; // while the order is live: catches status changes the socket does not carry
const NEXT_STOP_REFRESH_MS = 15 * 1000; // the same while the driver is shown coming to this stop
const DRIVER_QUIET_MS = 2 * 60 * 1000; // no position for this long: the driver is no longer shown

let trackingMap = null;
let mapLoading = null;

mergeMessages();

setInterval(() => {
  if (state.driver && Date.now() - state.driver.receivedAt > DRIVER_QUIET_MS) {
    state.driver = null;
    update();
  }
}, 15 * 1000);

setInterval(() => {
  if (!isLive() || document.visibilityState !== 'visible') return;
  // The server tells customers about positions and ETAs, not status changes: poll for those, more
  // often while this stop is the next one (arrival and delivery are then minutes away).
  const every = state.driver || state.view.status === 'arrived' ? NEXT_STOP_REFRESH_MS : REFRESH_MS;
  if (Date.now() - lastLoad() >= every) load();
}, 5 * 1000);

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && isLive()) loadSoon();
});
window.addEventListener('online', () => load());

// --- the map ------------------------------------------------------------------------------------

function destinationOf(view) {
  const point = view?.destination || view?.location;
  return point && typeof point.lat === 'number' && typeof point.lon === 'number' ? point : null;
}

async function syncMap() {
  const element = document.getElementById('map');
  if (!element) {
    trackingMap?.destroy();
    trackingMap = null;
    return;
  }
  if (!trackingMap) {
    if (!mapLoading) {
      // The server's tiles (MAP_TILE_URL, the host its Content-Security-Policy allows), fetched with the map.
      const tiles = get(`/api/v1/track/${token}/map`).catch(() => ({}));
      mapLoading = Promise.all([import('./map.js'), tiles]).then(([{ TrackingMap }, settings]) => {
        const current = document.getElementById('map');
        if (current && !trackingMap) {
          trackingMap = new TrackingMap(current, {
            tileUrl: settings.tile_url,
            attribution: settings.tile_attribution,
            driverLabel: t('track.driverHere'),
            destinationLabel: t('track.destination'),
            onTilesFailed: () => {
              state.tilesFailed = true;
              update();
            },
          });
        }
      }).finally(() => {
        mapLoading = null;
      });
    }
    await mapLoading.catch(() => {});
    if (!trackingMap) return;
  }
  trackingMap.setDestination(destinationOf(state.view));
  if (state.driver) trackingMap.moveDriver(state.driver);
  else trackingMap.removeDriver();
}

setRenderer(() => {
  render(page(), root);
  syncMap();
});

// The browser's language first (loaded if need be: the page is not drawn in another meanwhile), then the
// order's once the view says it.
useLanguage(null).finally(() => {
  root.replaceChildren(); // the shell's placeholder text; lit-html renders after existing children otherwise
  update();
  load();
});
