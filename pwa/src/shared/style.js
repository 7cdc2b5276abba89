// Inline styles that a strict Content-Security-Policy allows. The server's policy has no
// 'unsafe-inline' for styles, so a style="" attribute (what lit-html's styleMap writes on its first
// render) is refused by the browser; properties set through the CSSOM (element.style.setProperty) are
// not. Use `style=${cssProperties({ width: '40%', '--route-colour': colour })}` for values computed at run
// time; everything else belongs in the app's stylesheet.
import { noChange } from 'lit-html';
import { Directive, PartType, directive } from 'lit-html/directive.js';

class CssProperties extends Directive {
  constructor(partInfo) {
    super(partInfo);
    if (partInfo.type !== PartType.ATTRIBUTE || partInfo.name !== 'style'
      || (partInfo.strings && partInfo.strings.some((text) => text.trim() !== ''))) {
      throw new Error('cssProperties() goes alone in a style attribute: style=${cssProperties({...})}');
    }
    this.names = [];
  }

  render() {
    return noChange;
  }

  update(part, [properties]) {
    const { style } = part.element;
    for (const name of this.names) {
      if (!(name in properties)) style.removeProperty(name);
    }
    for (const [name, value] of Object.entries(properties)) {
      if (value == null) style.removeProperty(name);
      else style.setProperty(name, String(value));
    }
    this.names = Object.keys(properties);
    return noChange;
  }
}

/** CSS properties (CSS names: 'width', '--route-colour') set on the element through the CSSOM. */
export const cssProperties = directive(CssProperties);
