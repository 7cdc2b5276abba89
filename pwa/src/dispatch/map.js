// The console's map: routes as coloured legs, unplanned orders as grey dots, drivers moving live, all
// drawn on the shared map (src/shared/map.js), whose labels are text whatever an address holds.
import { MapView, setLabel, tagPosition } from '../shared/map.js';
import { colourOf } from './colours.js';

export class ConsoleMap {
  constructor(element, { tileUrl, attribution, onOrderClick, loadGeometry = null }) {
    this.view = new MapView(element, { tileUrl, attribution });
    this.routeLayer = this.view.layer();
    this.orderLayer = this.view.layer();
    this.driverLayer = this.view.layer();
    this.drivers = new Map();
    this.onOrderClick = onOrderClick;
    this.fitted = null;
    this.loadGeometry = loadGeometry;
    this.paths = new Map(); // "routeId:version" -> [[lat, lon], ...] road path, once fetched
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

  /** Routes as coloured straight legs depot → stops → depot; unplanned orders as grey dots. */
  draw({ routes, unplanned, depot, atRisk, key }) {
    this.routeLayer.clearLayers();
    this.orderLayer.clearLayers();
    const bounds = [];
    const openOrder = (orderId) => () => this.onOrderClick?.(orderId);
    routes.forEach((route, index) => {
      const colour = colourOf(index);
      const stops = [...route.stops].sort((a, b) => a.sequence - b.sequence);
      const start = route.depot ? [route.depot.lat, route.depot.lon] : null;
      const points = [start, ...stops.map((s) => [s.order.lat, s.order.lon]), start].filter(Boolean);
      if (points.length > 1) {
        const line = this.view.line(points, { color: colour, weight: 3, opacity: 0.8,
          className: `route-line route-line-${route.id}` }, { layer: this.routeLayer });
        if (this.loadGeometry) this.followRoads(route, line);
      }
      for (const stop of stops) {
        const risky = atRisk.has(stop.id);
        const done = ['completed', 'failed', 'skipped'].includes(stop.status);
        this.view.circle([stop.order.lat, stop.order.lon], {
          radius: risky ? 9 : 6, color: risky ? '#b00020' : colour, weight: risky ? 3 : 2,
          fillColor: done ? '#ffffff' : colour, fillOpacity: 0.9,
          className: `stop-marker stop-marker-${stop.id}${risky ? ' at-risk' : ''}`,
        }, { layer: this.routeLayer, label: `${stop.sequence}. ${stop.order.address}`, onClick: openOrder(stop.order.id) });
        bounds.push([stop.order.lat, stop.order.lon]);
      }
    });
    for (const order of unplanned) {
      this.view.circle([order.lat, order.lon], {
        radius: 5, color: '#555', weight: 1, fillColor: '#999', fillOpacity: 0.8,
        className: `order-marker order-marker-${order.id}`,
      }, { layer: this.orderLayer, label: `${order.external_ref} — ${order.address}`, onClick: openOrder(order.id) });
      bounds.push([order.lat, order.lon]);
    }
    if (depot) {
      this.view.circle([depot.lat, depot.lon], { radius: 8, color: '#000', weight: 2, fillColor: '#ffd54f', fillOpacity: 1,
        className: 'depot-marker' }, { layer: this.orderLayer, label: depot.name });
      bounds.push([depot.lat, depot.lon]);
    }
    // Fit once per day/depot shown, not on every live update (the dispatcher may have zoomed in).
    if (bounds.length && this.fitted !== key) {
      this.view.fit(bounds, { padding: 20, maxZoom: 14 });
      this.fitted = key;
    }
  }

  /** A driver's live position: one marker per driver, moved in place. */
  moveDriver(position, name, colour) {
    const latlng = [position.lat, position.lon];
    let marker = this.drivers.get(position.driver_id);
    if (!marker) {
      marker = this.view.circle(latlng, { radius: 10, color: '#000', weight: 3, fillColor: colour || '#00bcd4',
        fillOpacity: 1, className: `driver-marker driver-marker-${position.driver_id}` }, { layer: this.driverLayer });
      this.drivers.set(position.driver_id, marker);
    } else {
      marker.setLatLng(latlng);
    }
    setLabel(marker, name || `#${position.driver_id}`);
    tagPosition(marker, position);
  }

  invalidate() {
    this.view.invalidate();
  }
}
