// The console's map: routes as coloured legs, unplanned orders as grey dots, drivers as labelled badges
// moving live, all drawn on the shared map (src/shared/map.js), whose labels are text whatever an address holds.
//
// Nothing is redrawn that did not change: each route keeps its own line and markers, replaced only when
// its version, colour or at-risk stops change, and a driver's badge moves in place (an open tooltip stays
// open). A day with many stops gathers them into numbered clusters until the map is zoomed in.
import { MapView, setBadge, tagPosition } from '../shared/map.js';
import { colourOf } from './colours.js';

// Below this many stops every marker shows at once (a small day reads best unclustered).
export const CLUSTER_FROM = 300;

export class ConsoleMap {
  /**
   * @param options.describeCluster (count) => accessible name of a cluster ("12 stops")
   * @param options.onOrderClick (orderId) => open the order
   * @param options.loadGeometry (routeId) => Promise of {points}: the route's road path (OSRM), or null
   */
  constructor(element, { tileUrl, attribution, onOrderClick, loadGeometry = null, describeCluster }) {
    this.view = new MapView(element, { tileUrl, attribution });
    this.element = element;
    this.routeLayer = this.view.layer();
    this.orderLayer = this.view.layer();
    this.driverLayer = this.view.layer();
    this.describeCluster = describeCluster;
    this.stopLayer = null; // the routes' stop markers: a plain layer, or a cluster layer on a dense day
    this.drawn = new Map(); // route id -> {key, line, markers}
    this.unplannedKey = null;
    this.drivers = new Map(); // driver id -> badge marker
    this.onOrderClick = onOrderClick;
    this.fitted = null;
    this.loadGeometry = loadGeometry;
    this.paths = new Map(); // "routeId:version" -> [[lat, lon], ...] road path, once fetched
    this.view.map.on('zoomend', () => this.labelByZoom());
    this.labelByZoom();
  }

  /** Drivers' names show beside their dot when zoomed in or when few drivers are on the map (a thousand names
   * over a city are unreadable, and costly to lay out as they move); the dot's tooltip always names them. */
  labelByZoom() {
    const far = this.view.map.getZoom() < 13 && this.drivers.size > 60;
    this.element.classList.toggle('drivers-unlabelled', far);
  }

  /** Swap a route's straight legs for its road path (fetched once per route version). */
  async followRoads(route, line) {
    const key = `${route.id}:${route.version}`;
    try {
      if (!this.paths.has(key)) this.paths.set(key, (await this.loadGeometry(route.id)).points);
      if (this.routeLayer.hasLayer(line)) line.setLatLngs(this.paths.get(key));
    } catch {
      // Straight legs stay: the map works without the road network.
    }
  }

  /** The stop layer fits the day's size: clustered from CLUSTER_FROM stops, plain below. */
  stopLayerFor(stopCount) {
    const clustered = stopCount >= CLUSTER_FROM;
    if (this.stopLayer && this.stopLayer.clustered === clustered) return this.stopLayer;
    if (this.stopLayer) {
      this.stopLayer.remove();
      this.drawn.clear(); // every route's markers belonged to the old layer: draw them again
      this.routeLayer.clearLayers();
    }
    this.stopLayer = clustered ? this.view.clusterLayer({ describe: this.describeCluster }) : this.view.layer();
    this.stopLayer.clustered = clustered;
    return this.stopLayer;
  }

  removeRoute(routeId) {
    const drawn = this.drawn.get(routeId);
    if (!drawn) return;
    if (drawn.line) this.routeLayer.removeLayer(drawn.line);
    if (this.stopLayer.clustered) this.stopLayer.removeLayers(drawn.markers);
    else for (const marker of drawn.markers) this.stopLayer.removeLayer(marker);
    this.drawn.delete(routeId);
  }

  drawRoute(route, colour, atRisk, openOrder) {
    const stops = [...route.stops].sort((a, b) => a.sequence - b.sequence);
    const start = route.depot ? [route.depot.lat, route.depot.lon] : null;
    const points = [start, ...stops.map((s) => [s.order.lat, s.order.lon]), start].filter(Boolean);
    let line = null;
    if (points.length > 1) {
      line = this.view.line(points, { color: colour, weight: 3, opacity: 0.8,
        className: `route-line route-line-${route.id}` }, { layer: this.routeLayer });
      if (this.loadGeometry) this.followRoads(route, line);
    }
    // Made off the map, then added to the stop layer in one batch (a cluster layer indexes them at once).
    const markers = stops.map((stop) => {
      const risky = atRisk.has(stop.id);
      const done = ['completed', 'failed', 'skipped'].includes(stop.status);
      const marker = this.view.circle([stop.order.lat, stop.order.lon], {
        radius: risky ? 9 : 6, color: risky ? '#b00020' : colour, weight: risky ? 3 : 2,
        fillColor: done ? '#ffffff' : colour, fillOpacity: 0.9,
        className: `stop-marker stop-marker-${stop.id}${risky ? ' at-risk' : ''}`,
      }, { detached: true, label: `${stop.sequence}. ${stop.order.address}`, onClick: openOrder(stop.order.id) });
      return marker;
    });
    if (this.stopLayer.clustered) this.stopLayer.addLayers(markers);
    else for (const marker of markers) this.stopLayer.addLayer(marker);
    return { line, markers };
  }

  /** Routes as coloured straight legs depot → stops → depot; unplanned orders as grey dots. */
  draw({ routes, unplanned, depot, atRisk, key }) {
    const openOrder = (orderId) => () => this.onOrderClick?.(orderId);
    const stopCount = routes.reduce((sum, route) => sum + route.stops.length, 0);
    this.stopLayerFor(stopCount);
    const shown = new Set();
    routes.forEach((route, index) => {
      const colour = colourOf(index);
      const risky = route.stops.filter((s) => atRisk.has(s.id)).map((s) => s.id).join(',');
      const routeKey = `${route.version}|${colour}|${risky}|${route.stops.length}`;
      shown.add(route.id);
      if (this.drawn.get(route.id)?.key === routeKey) return;
      this.removeRoute(route.id);
      this.drawn.set(route.id, { key: routeKey, ...this.drawRoute(route, colour, atRisk, openOrder) });
    });
    for (const routeId of [...this.drawn.keys()]) if (!shown.has(routeId)) this.removeRoute(routeId);

    const unplannedKey = `${unplanned.map((o) => o.id).join(',')}|${depot?.id}`;
    if (unplannedKey !== this.unplannedKey) {
      this.unplannedKey = unplannedKey;
      this.orderLayer.clearLayers();
      for (const order of unplanned) {
        this.view.circle([order.lat, order.lon], {
          radius: 5, color: '#555', weight: 1, fillColor: '#999', fillOpacity: 0.8,
          className: `order-marker order-marker-${order.id}`,
        }, { layer: this.orderLayer, label: `${order.external_ref} — ${order.address}`, onClick: openOrder(order.id) });
      }
      if (depot) {
        this.view.circle([depot.lat, depot.lon], { radius: 8, color: '#000', weight: 2, fillColor: '#ffd54f',
          fillOpacity: 1, className: 'depot-marker' }, { layer: this.orderLayer, label: depot.name });
      }
    }
    // Fitted to the whole day once per day/depot shown, not on every live update (the dispatcher may have zoomed in).
    if (this.fitted !== key) {
      const bounds = [];
      for (const route of routes) for (const stop of route.stops) bounds.push([stop.order.lat, stop.order.lon]);
      for (const order of unplanned) bounds.push([order.lat, order.lon]);
      if (depot) bounds.push([depot.lat, depot.lon]);
      if (bounds.length) {
        this.view.fit(bounds, { padding: 20, maxZoom: 14 });
        this.fitted = key;
      }
    }
  }

  /**
   * A driver's live position as a labelled badge, moved in place.
   * @param look {name, label, colour, stale, state}: the short name shown, the sentence on hover/focus
   */
  moveDriver(position, look) {
    const latlng = [position.lat, position.lon];
    let marker = this.drivers.get(position.driver_id);
    if (!marker) {
      marker = this.view.badge(latlng, { text: look.name, label: look.label, colour: look.colour,
        className: `driver-marker driver-marker-${position.driver_id}`, layer: this.driverLayer });
      this.drivers.set(position.driver_id, marker);
      if (this.drivers.size === 61) this.labelByZoom();
    } else {
      const now = marker.getLatLng();
      if (now.lat !== position.lat || now.lng !== position.lon) marker.setLatLng(latlng);
    }
    setBadge(marker, { text: look.name, label: look.label, colour: look.colour,
      classes: { stale: look.stale, [`state-${look.state}`]: true, ...otherStates(look.state) } });
    tagPosition(marker, position);
  }

  invalidate() {
    this.view.invalidate();
  }
}

const DRIVER_STATES = ['driving', 'break', 'waiting', 'done', 'free'];

function otherStates(current) {
  return Object.fromEntries(DRIVER_STATES.filter((s) => s !== current).map((s) => [`state-${s}`, false]));
}
