// The tracking map, loaded only when there is something to show (the driver's position while this
// stop is next): Leaflet and its CSS stay out of the page's first download. As in the console, the
// markers are vector circles, so the driver and the destination still show when the tiles cannot load.
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';

// The staff tile setting is not public; OpenStreetMap's standard tiles are the default everywhere.
const TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
const ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>';

export class TrackingMap {
  constructor(element, { driverLabel, destinationLabel, onTilesFailed }) {
    this.map = L.map(element, { zoomControl: true, keyboard: true, attributionControl: true })
      .setView([45.52, -73.6], 14);
    const tiles = L.tileLayer(TILE_URL, { attribution: ATTRIBUTION, maxZoom: 19, crossOrigin: true });
    tiles.once('tileerror', () => onTilesFailed?.());
    tiles.addTo(this.map);
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
      this.destination = L.circleMarker(latlng, { radius: 9, color: '#0b3d2e', weight: 3, fillColor: '#ffd54f',
        fillOpacity: 1, className: 'destination-marker' }).bindTooltip(this.destinationLabel).addTo(this.map);
    } else {
      this.destination.setLatLng(latlng);
    }
    this.fit();
  }

  /** The driver's marker, moved in place; its coordinates are on the element for tests and tools. */
  moveDriver(position) {
    const latlng = [position.lat, position.lon];
    if (!this.driver) {
      this.driver = L.circleMarker(latlng, { radius: 11, color: '#000', weight: 3, fillColor: '#1d4ed8',
        fillOpacity: 1, className: 'driver-marker' }).bindTooltip(this.driverLabel).addTo(this.map);
    } else {
      this.driver.setLatLng(latlng);
    }
    const element = this.driver.getElement?.();
    if (element) {
      element.setAttribute('data-lat', String(position.lat));
      element.setAttribute('data-lon', String(position.lon));
    }
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
      if (!this.followed) this.map.setView(points[0], 15);
      else this.map.panTo(points[0]);
      this.followed = true;
      return;
    }
    if (this.followed === 'both') return;
    this.map.fitBounds(L.latLngBounds(points), { padding: [30, 30], maxZoom: 16 });
    this.followed = 'both';
  }

  invalidate() {
    this.map.invalidateSize();
  }

  destroy() {
    this.map.remove();
  }
}
