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
// Leaflet.markercluster (the Leaflet project's own clustering plugin, 1.5): thousands of stops stay
// readable and cheap to draw as numbered clusters that open as the map zooms in. It extends L in place.
import 'leaflet.markercluster';
import 'leaflet.markercluster/dist/MarkerCluster.css';
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

/** A div icon whose element carries an accessible name (a cluster reads "12 stops", not "12"). */
const LabelledIcon = L.DivIcon.extend({
  createIcon(oldIcon) {
    const element = L.DivIcon.prototype.createIcon.call(this, oldIcon);
    if (this.options.label) element.setAttribute('aria-label', this.options.label);
    return element;
  },
});

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
   * `detached` makes the marker without adding it anywhere (to add many at once to a cluster layer).
   */
  circle(point, style, { layer = null, label = null, onClick = null, detached = false } = {}) {
    const marker = L.circleMarker(point, style);
    if (label != null) setLabel(marker, label);
    if (onClick) marker.on('click', onClick);
    return detached ? marker : marker.addTo(layer || this.map);
  }

  /**
   * A layer that gathers its markers into numbered clusters where they are dense (Leaflet.markercluster),
   * up to `maxZoom`, from where every marker shows. Add and remove markers in batches (addLayers).
   * `describe(count)` gives the cluster's accessible name ("12 stops").
   */
  clusterLayer({ maxZoom = 15, radius = 50, describe = (count) => String(count) } = {}) {
    return L.markerClusterGroup({
      disableClusteringAtZoom: maxZoom, maxClusterRadius: radius, chunkedLoading: true, chunkInterval: 50,
      showCoverageOnHover: false, spiderfyOnMaxZoom: false, removeOutsideVisibleBounds: true,
      iconCreateFunction: (cluster) => {
        const count = cluster.getChildCount();
        const element = document.createElement('span');
        element.textContent = String(count);
        const size = count < 10 ? 28 : count < 100 ? 34 : 42;
        return new LabelledIcon({ html: element, className: 'map-cluster', iconSize: [size, size],
          label: describe(count) });
      },
    }).addTo(this.map);
  }

  /**
   * A marker drawn as a small HTML badge: a coloured dot and a short text label beside it (a driver's name).
   * The text is set as text; `label` is the longer hover/focus sentence (also the accessible name).
   */
  badge(point, { text, label = text, className = '', colour = '#00bcd4', layer = null, onClick = null } = {}) {
    const element = document.createElement('span');
    const dot = document.createElement('span');
    dot.className = 'map-badge-dot';
    dot.style.setProperty('--badge-colour', colour);
    const name = document.createElement('span');
    name.className = 'map-badge-text';
    name.textContent = text;
    element.append(dot, name);
    const marker = L.marker(point, {
      icon: L.divIcon({ html: element, className: `map-badge ${className}`, iconSize: null, iconAnchor: [8, 8] }),
      keyboard: true, riseOnHover: true,
    });
    marker.badgeParts = { dot, name };
    if (onClick) marker.on('click', onClick);
    marker.addTo(layer || this.map);
    setBadge(marker, { label });
    return marker;
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

/** Change a badge's text, colour, label or classes in place (nothing is re-created: an open tooltip stays). */
export function setBadge(marker, { text = null, colour = null, label = null, classes = null } = {}) {
  const parts = marker.badgeParts;
  if (!parts) return marker;
  if (text != null && parts.name.textContent !== text) parts.name.textContent = text;
  if (colour != null) parts.dot.style.setProperty('--badge-colour', colour);
  const element = marker.getElement?.();
  if (label != null && (marker.badgeLabel !== label || !element?.hasAttribute('aria-label'))) {
    setLabel(marker, label);
    marker.badgeLabel = label;
    element?.setAttribute('aria-label', label);
  }
  if (classes && element) {
    for (const [name, on] of Object.entries(classes)) element.classList.toggle(name, Boolean(on));
  }
  return marker;
}
