// The tracking map, loaded only when there is something to show (the driver's position while this
// stop is next): the shared map (and Leaflet with it) stays out of the page's first download.
import { MapView, tagPosition } from '../shared/map.js';

export class TrackingMap {
  constructor(element, { tileUrl, attribution, driverLabel, destinationLabel, onTilesFailed }) {
    this.view = new MapView(element, { tileUrl, attribution, zoom: 14, onTilesFailed });
    this.driverLabel = driverLabel;
    this.destinationLabel = destinationLabel;
    this.driver = null;
    this.destination = null;
    this.followed = false;
  }

  setDestination(point) {
    if (!point) return;
    const latlng = [point.lat, point.lon];
    if (!this.destination) {
      this.destination = this.view.circle(latlng, { radius: 9, color: '#0b3d2e', weight: 3, fillColor: '#ffd54f',
        fillOpacity: 1, className: 'destination-marker' }, { label: this.destinationLabel });
    } else {
      this.destination.setLatLng(latlng);
    }
    this.fit();
  }

  /** The driver's marker, moved in place; its coordinates are on the element for tests and tools. */
  moveDriver(position) {
    const latlng = [position.lat, position.lon];
    if (!this.driver) {
      this.driver = this.view.circle(latlng, { radius: 11, color: '#000', weight: 3, fillColor: '#1d4ed8',
        fillOpacity: 1, className: 'driver-marker' }, { label: this.driverLabel });
    } else {
      this.driver.setLatLng(latlng);
    }
    tagPosition(this.driver, position);
    this.fit();
  }

  removeDriver() {
    this.driver?.remove();
    this.driver = null;
  }

  /** Frame the driver and the destination together (only the first time both are known: the customer may zoom). */
  fit() {
    const points = [this.driver, this.destination].filter(Boolean).map((marker) => marker.getLatLng());
    if (!points.length) return;
    if (points.length === 1) {
      if (!this.followed) this.view.show(points[0], 15);
      else this.view.panTo(points[0]);
      this.followed = true;
      return;
    }
    if (this.followed === 'both') return;
    this.view.fit(points, { padding: 30, maxZoom: 16 });
    this.followed = 'both';
  }

  invalidate() {
    this.view.invalidate();
  }

  destroy() {
    this.view.destroy();
  }
}
