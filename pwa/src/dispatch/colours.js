// One colour per route, the same on the map, the route cards and the timeline.
export const ROUTE_COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b',
  '#e377c2', '#7f7f7f', '#bcbd22'];

export function colourOf(index) {
  return ROUTE_COLOURS[index % ROUTE_COLOURS.length];
}
