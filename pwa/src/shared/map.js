// The one Leaflet wrapper. The console's map, the tracking page's, the analytics failure map and the
// driver's map are each a MapView with their own layers on it; this is the only file that imports
// Leaflet. Import it dynamically (`await import('../shared/map.js')`) from a page whose first screen
// must stay light: Leaflet (~45 KB gzipped) and its CSS then load only when a map is opened.
//
// Everything drawn is vector (circle markers, polylines in SVG): no marker images to fetch, and the
// markers and lines still show when the tiles cannot load (offline, a blocked tile server) — the tiles
// are only a background. Labels are text, never HTML: an address or a reference typed by anyone is
// shown literally (Leaflet's tooltips and attribution otherwise insert strings as HTML).
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import { escapeHtml, textContent } from './html.js';

export const OSM_TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
const OSM_ATTRIBUTION = '© OpenStreetMap contributors';
const OSM_COPYRIGHT = 'https://www.openstreetmap.org/copyright';
export const MONTREAL = [45.52, -73.6];

/** The attribution as HTML built from plain text (the server's MAP_TILE_ATTRIBUTION is text). */
function attributionHtml(tileUrl, text) {
  const label = escapeHtml(text || (tileUrl === OSM_TILE_URL ? OSM_ATTRIBUTION : ''));
  return tileUrl === OSM_TILE_URL ? `<a href="${OSM_COPYRIGHT}">${label}</a>` : label;
}

export class MapView {
  /**
   * @param element the map's container (sized by CSS)
   * @param options.tileUrl a `{z}/{x}/{y}` template (OpenStreetMap's when not given)
   * @param options.attribution plain text shown in the corner
   * @param options.animate false where the element may be detached at any moment (a tab left): Leaflet's
   *   pending animation frames would then fail on the missing panes
   * @param options.onTilesFailed called once when a tile cannot load (say so; the markers still show)
   */
  constructor(element, { tileUrl = null, attribution = null, center = MONTREAL, zoom = 11, animate = true,
    onTilesFailed = null } = {}) {
    this.element = element;
    const motion = animate ? {} : { zoomAnimation: false, fadeAnimation: false, markerZoomAnimation: false };
    this.map = L.map(element, { zoomControl: true, keyboard: true, ...motion }).setView(center, zoom);
    const url = tileUrl || OSM_TILE_URL;
    const tiles = L.tileLayer(url, { attribution: attributionHtml(url, attribution), maxZoom: 19, crossOrigin: true });
    if (onTilesFailed) tiles.once('tileerror', () => onTilesFailed());
    tiles.addTo(this.map);
    this.animate = animate;
  }

  /** A layer of its own (routes, orders, drivers...) that can be cleared at once. */
  layer() {
    return L.layerGroup().addTo(this.map);
  }

  /**
   * A round marker at [lat, lon] on `layer` (the map when not given). `label` is plain text shown on
   * hover and focus; `onClick` gets the click. `style` takes Leaflet's path options (radius, color...).
   */
  circle(point, style, { layer = null, label = null, onClick = null } = {}) {
    const marker = L.circleMarker(point, style);
    if (label != null) setLabel(marker, label);
    if (onClick) marker.on('click', onClick);
    return marker.addTo(layer || this.map);
  }

  /** A polyline through `points` ([[lat, lon], ...]); `setLatLngs` swaps its points later. */
  line(points, style, { layer = null } = {}) {
    return L.polyline(points, style).addTo(layer || this.map);
  }

  /** Frame the points (a marker's getLatLng() or [lat, lon]). */
  fit(points, { padding = 20, maxZoom = 14 } = {}) {
    if (!points.length) return;
    const motion = this.animate ? {} : { animate: false };
    this.map.fitBounds(L.latLngBounds(points), { padding: [padding, padding], maxZoom, ...motion });
  }

  show(point, zoom) {
    this.map.setView(point, zoom);
  }

  panTo(point) {
    this.map.panTo(point);
  }

  /** The container changed size or was hidden: let Leaflet measure again. */
  invalidate() {
    this.map.invalidateSize();
  }

  destroy() {
    this.map.remove();
  }
}

/** A marker's hover/focus label, as text. */
export function setLabel(marker, text) {
  if (marker.getTooltip()) marker.setTooltipContent(textContent(text));
  else marker.bindTooltip(textContent(text));
  return marker;
}

/** A moving marker's coordinates on its element (tests and tools read them without Leaflet). */
export function tagPosition(marker, { lat, lon }) {
  const element = marker.getElement?.();
  if (element) {
    element.setAttribute('data-lat', String(lat));
    element.setAttribute('data-lon', String(lon));
  }
}
