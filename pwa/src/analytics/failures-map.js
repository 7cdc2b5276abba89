// Failed deliveries on a map. As in the console's map (src/dispatch/map.js) the markers are vector
// circles drawn by Leaflet in SVG, so they show even when no tile can load; tiles are a background.
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';

const MONTREAL = [45.52, -73.6];

export class FailuresMap {
  constructor(element, { tileUrl, attribution }) {
    this.element = element;
    // No animation: the tab can be left (and this element detached) at any moment, and Leaflet's
    // pending animation frames would then fail on the missing panes.
    this.map = L.map(element, { keyboard: true, zoomControl: true, zoomAnimation: false, fadeAnimation: false,
      markerZoomAnimation: false }).setView(MONTREAL, 11);
    if (tileUrl) L.tileLayer(tileUrl, { attribution, maxZoom: 19, crossOrigin: true }).addTo(this.map);
    this.layer = L.layerGroup().addTo(this.map);
    this.drawn = null;
  }

  /** One red dot per failed attempt with coordinates; redrawn only when the data changed (`key`). */
  draw(failures, { key, label }) {
    if (this.drawn === key) return;
    this.drawn = key;
    this.layer.clearLayers();
    const bounds = [];
    for (const failure of failures) {
      if (failure.lat == null || failure.lon == null) continue;
      L.circleMarker([failure.lat, failure.lon], {
        radius: 7, color: '#7f0015', weight: 2, fillColor: '#d32f2f', fillOpacity: 0.85,
        className: `failure-marker failure-reason-${failure.reason}`,
      }).bindTooltip(label(failure)).addTo(this.layer);
      bounds.push([failure.lat, failure.lon]);
    }
    if (bounds.length) this.map.fitBounds(bounds, { padding: [20, 20], maxZoom: 14, animate: false });
  }

  remove() {
    this.map.remove();
  }
}
