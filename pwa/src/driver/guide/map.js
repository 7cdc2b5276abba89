// The guidance screen's map: the whole route (roads with OSRM, straight legs otherwise), its stops, the leg
// to the current stop drawn strong, and the phone's position. Built on the shared Leaflet wrapper, imported
// only when the guidance opens. Everything is vector: without tiles (offline) the lines and stops still show.
import * as api from '../../shared/api.js';
import { t } from '../../shared/i18n.js';
import { isDone, sortedStops } from '../state.js';

const COLORS = { route: '#7a8494', done: '#9aa3ad', stop: '#1f5fbf', current: '#c2410c', leg: '#1f5fbf', me: '#0f9d58' };

export class GuideMap {
  /**
   * @param element the map's container
   * @param onProblem called with a message key when the tiles or the route's path cannot load
   */
  static async open(element, route, { onProblem }) {
    const { MapView } = await import('../../shared/map.js');
    let settings = null;
    try {
      settings = await api.get(`/api/v1/driver/routes/${route.id}/map`);
    } catch {
      // Offline or refused: the server's tiles are unknown (OpenStreetMap's then) and the legs are straight.
    }
    return new GuideMap(MapView, element, route, settings, onProblem);
  }

  constructor(MapView, element, route, settings, onProblem) {
    this.view = new MapView(element, { tileUrl: settings?.tile_url, attribution: settings?.tile_attribution,
      animate: false, onTilesFailed: () => onProblem('guide.mapUnavailable') });
    this.routeLayer = this.view.layer();
    this.legLayer = this.view.layer();
    const stops = sortedStops(route);
    const depot = route.depot?.lat != null ? [route.depot.lat, route.depot.lon] : null;
    const straight = [depot, ...stops.map((stop) => [stop.order.lat, stop.order.lon]), depot].filter(Boolean);
    const path = settings?.points?.length ? settings.points : straight;
    this.view.line(path, { color: COLORS.route, weight: 4, opacity: 0.7,
      dashArray: settings?.mode === 'road' ? null : '6 8' }, { layer: this.routeLayer });
    this.markers = new Map();
    for (const stop of stops) {
      const marker = this.view.circle([stop.order.lat, stop.order.lon], this.stopStyle(stop, false),
        { layer: this.routeLayer, label: `${t('stop.sequence', { sequence: stop.sequence })}: ${stop.order.address}` });
      this.markers.set(stop.id, { marker, stop });
    }
    this.leg = null;
    this.me = null;
    this.framedFor = null;
  }

  stopStyle(stop, current) {
    if (current) return { radius: 11, color: '#fff', weight: 3, fillColor: COLORS.current, fillOpacity: 1 };
    return { radius: 7, color: '#fff', weight: 2, fillColor: isDone(stop) ? COLORS.done : COLORS.stop, fillOpacity: 1 };
  }

  /**
   * Draw the leg to `stop` (its road path, or the straight line from the phone) and the phone on it. The map
   * frames a leg once (`legKey` names it); afterwards it only keeps the phone in view, so the driver's own
   * zoom stays.
   */
  show(stop, legPoints, position, legKey) {
    for (const [id, { marker, stop: each }] of this.markers) marker.setStyle(this.stopStyle(each, id === stop.id));
    const target = [stop.order.lat, stop.order.lon];
    const points = legPoints?.length >= 2 ? legPoints : position ? [[position.lat, position.lon], target] : null;
    if (points) {
      if (this.leg) this.leg.setLatLngs(points);
      else this.leg = this.view.line(points, { color: COLORS.leg, weight: 7, opacity: 0.9 }, { layer: this.legLayer });
      this.leg.getElement?.()?.setAttribute('data-testid', 'guide-leg');
    }
    if (position) {
      const here = [position.lat, position.lon];
      if (!this.me) {
        this.me = this.view.circle(here, { radius: 9, color: '#fff', weight: 3, fillColor: COLORS.me, fillOpacity: 1 },
          { layer: this.legLayer });
      } else {
        this.me.setLatLng(here);
      }
      this.me.getElement?.()?.setAttribute('data-testid', 'guide-me');
    }
    const frameKey = `${stop.id}:${legKey}`;
    if (points && this.framedFor !== frameKey) {
      this.framedFor = frameKey;
      this.view.fit(points, { padding: 30, maxZoom: 17 });
    } else if (position && !this.view.map.getBounds().pad(-0.15).contains([position.lat, position.lon])) {
      this.view.panTo([position.lat, position.lon]);
    }
  }

  invalidate() {
    this.view.invalidate();
  }

  destroy() {
    this.view.destroy();
  }
}
