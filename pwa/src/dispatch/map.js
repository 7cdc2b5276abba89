// The console's map. Everything on it is vector (circle markers, polylines) drawn by Leaflet in SVG:
// no marker images to fetch, and the routes, orders and drivers still show when the tiles cannot
// load (offline, a blocked tile server) — the tiles are only a background.
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';

export const ROUTE_COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b',
  '#e377c2', '#7f7f7f', '#bcbd22'];

export function colourOf(index) {
  return ROUTE_COLOURS[index % ROUTE_COLOURS.length];
}

export class ConsoleMap {
  constructor(element, { tileUrl, attribution, onOrderClick, loadGeometry = null }) {
    this.map = L.map(element, { preferCanvas: false, zoomControl: true, keyboard: true }).setView([45.52, -73.6], 11);
    L.tileLayer(tileUrl, { attribution, maxZoom: 19, crossOrigin: true }).addTo(this.map);
    this.routeLayer = L.layerGroup().addTo(this.map);
    this.orderLayer = L.layerGroup().addTo(this.map);
    this.driverLayer = L.layerGroup().addTo(this.map);
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
    routes.forEach((route, index) => {
      const colour = colourOf(index);
      const stops = [...route.stops].sort((a, b) => a.sequence - b.sequence);
      const start = route.depot ? [route.depot.lat, route.depot.lon] : null;
      const points = [start, ...stops.map((s) => [s.order.lat, s.order.lon]), start].filter(Boolean);
      if (points.length > 1) {
        const line = L.polyline(points, { color: colour, weight: 3, opacity: 0.8,
          className: `route-line route-line-${route.id}` }).addTo(this.routeLayer);
        if (this.loadGeometry) this.followRoads(route, line);
      }
      for (const stop of stops) {
        const risky = atRisk.has(stop.id);
        const done = ['completed', 'failed', 'skipped'].includes(stop.status);
        const marker = L.circleMarker([stop.order.lat, stop.order.lon], {
          radius: risky ? 9 : 6, color: risky ? '#b00020' : colour, weight: risky ? 3 : 2,
          fillColor: done ? '#ffffff' : colour, fillOpacity: 0.9,
          className: `stop-marker stop-marker-${stop.id}${risky ? ' at-risk' : ''}`,
        }).bindTooltip(`${stop.sequence}. ${stop.order.address}`);
        marker.on('click', () => this.onOrderClick?.(stop.order.id));
        marker.addTo(this.routeLayer);
        bounds.push([stop.order.lat, stop.order.lon]);
      }
    });
    for (const order of unplanned) {
      L.circleMarker([order.lat, order.lon], {
        radius: 5, color: '#555', weight: 1, fillColor: '#999', fillOpacity: 0.8,
        className: `order-marker order-marker-${order.id}`,
      }).bindTooltip(`${order.external_ref} — ${order.address}`).on('click', () => this.onOrderClick?.(order.id))
        .addTo(this.orderLayer);
      bounds.push([order.lat, order.lon]);
    }
    if (depot) {
      L.circleMarker([depot.lat, depot.lon], { radius: 8, color: '#000', weight: 2, fillColor: '#ffd54f', fillOpacity: 1,
        className: 'depot-marker' }).bindTooltip(depot.name).addTo(this.orderLayer);
      bounds.push([depot.lat, depot.lon]);
    }
    // Fit once per day/depot shown, not on every live update (the dispatcher may have zoomed in).
    if (bounds.length && this.fitted !== key) {
      this.map.fitBounds(bounds, { padding: [20, 20], maxZoom: 14 });
      this.fitted = key;
    }
  }

  /** A driver's live position: one marker per driver, moved in place. */
  moveDriver(position, name, colour) {
    const latlng = [position.lat, position.lon];
    let marker = this.drivers.get(position.driver_id);
    if (!marker) {
      marker = L.circleMarker(latlng, { radius: 10, color: '#000', weight: 3, fillColor: colour || '#00bcd4',
        fillOpacity: 1, className: `driver-marker driver-marker-${position.driver_id}` }).addTo(this.driverLayer);
      this.drivers.set(position.driver_id, marker);
    } else {
      marker.setLatLng(latlng);
    }
    marker.bindTooltip(name || `#${position.driver_id}`);
    const element = marker.getElement?.();
    if (element) {
      element.setAttribute('data-lat', String(position.lat));
      element.setAttribute('data-lon', String(position.lon));
    }
  }

  invalidate() {
    this.map.invalidateSize();
  }
}
