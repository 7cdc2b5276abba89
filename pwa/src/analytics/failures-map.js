// Failed deliveries on the shared map (src/shared/map.js): one red dot per failed attempt, its label
// (reference, address, reason, day) shown as text.
import { MapView } from '../shared/map.js';

export class FailuresMap {
  constructor(element, { tileUrl, attribution }) {
    this.element = element;
    // No animation: the tab can be left (and this element detached) at any moment.
    this.view = new MapView(element, { tileUrl, attribution, animate: false });
    this.layer = this.view.layer();
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
      this.view.circle([failure.lat, failure.lon], {
        radius: 7, color: '#7f0015', weight: 2, fillColor: '#d32f2f', fillOpacity: 0.85,
        className: `failure-marker failure-reason-${failure.reason}`,
      }, { layer: this.layer, label: label(failure) });
      bounds.push([failure.lat, failure.lon]);
    }
    this.view.fit(bounds, { padding: 20, maxZoom: 14 });
  }

  remove() {
    this.view.destroy();
  }
}
