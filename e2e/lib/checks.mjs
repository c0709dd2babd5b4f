// Checks of what a person sees, run inside the page (page.evaluate): text contrast (WCAG 2 AA),
// overlapping boxes, labels, focus indicators and tab order.

/** Installs helpers on window.__e2e (idempotent). Call before the other in-page checks. */
export async function installHelpers(page) {
  await page.evaluate(() => {
    if (window.__e2e) return;
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 1;
    const g = canvas.getContext("2d", { willReadFrequently: true });
    // Any CSS colour → [r, g, b, a] (0..255, alpha 0..1), via the canvas so every syntax works.
    const parse = (c) => {
      const m = /^rgba?\(\s*([\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(c);
      if (m) {
        let a = m[4] === undefined ? 1 : m[4].endsWith("%") ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
        return [+m[1], +m[2], +m[3], a];
      }
      if (c === "transparent") return [0, 0, 0, 0];
      g.clearRect(0, 0, 1, 1);
      g.fillStyle = "rgba(0,0,0,0)";
      g.fillStyle = c;
      g.fillRect(0, 0, 1, 1);
      const d = g.getImageData(0, 0, 1, 1).data;
      return [d[0], d[1], d[2], d[3] / 255];
    };
    const over = (top, bottom) => {
      // top over an opaque bottom
      const a = top[3];
      return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1);
    };
    const lum = (c) => {
      const f = (v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
    };
    const ratio = (a, b) => {
      const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x);
      return (l1 + 0.05) / (l2 + 0.05);
    };
    const hex = (c) => "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
    // The colour behind `el`: its own and its ancestors' backgrounds composited, over white.
    const backgroundOf = (el, ownLayer) => {
      const layers = ownLayer ? [ownLayer] : [];
      let images = false;
      for (let e = el; e; e = e.parentElement) {
        const cs = getComputedStyle(e);
        if (cs.backgroundImage && cs.backgroundImage !== "none") images = true;
        const c = parse(cs.backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] >= 1) break;
      }
      let bg = [255, 255, 255, 1];
      for (const l of layers.reverse()) bg = over(l, bg);
      return { bg, images };
    };
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      if (r.width < 1 || r.height < 1) return false;
      const cs = getComputedStyle(el);
      return cs.visibility !== "hidden" && cs.display !== "none" && parseFloat(cs.opacity) > 0 && el.checkVisibility?.() !== false;
    };
    const describe = (el) => {
      let s = el.tagName.toLowerCase();
      if (el.id) s += `#${el.id}`;
      const cls = typeof el.className === "string" ? el.className.trim() : "";
      if (cls) s += "." + cls.split(/\s+/).join(".");
      return s;
    };
    const isLarge = (cs) => {
      const px = parseFloat(cs.fontSize);
      const bold = parseInt(cs.fontWeight, 10) >= 700;
      return px >= 24 || (bold && px >= 18.66);
    };
    window.__e2e = { parse, over, lum, ratio, hex, backgroundOf, visible, describe, isLarge };
  });
}

/**
 * Every piece of visible text (text nodes, placeholders, ::before/::after content) with its
 * colour, the background behind it and the contrast ratio; `ok` is ratio ≥ 4.5 (3 for large text).
 */
export async function contrastReport(page) {
  await installHelpers(page);
  return page.evaluate(() => {
    const { parse, over, ratio, hex, backgroundOf, visible, describe, isLarge } = window.__e2e;
    const out = [];
    const add = (el, text, cs, fgCss, ownBg) => {
      const { bg, images } = backgroundOf(el, ownBg);
      let fg = parse(fgCss);
      fg = over(fg, bg);
      const r = ratio(fg, bg);
      const need = isLarge(cs) ? 3 : 4.5;
      out.push({ el: describe(el), text: text.slice(0, 60), fg: hex(fg), bg: hex(bg), ratio: Math.round(r * 100) / 100, need, ok: r >= need, images });
    };
    for (const el of document.body.querySelectorAll("*")) {
      if (["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT"].includes(el.tagName)) continue;
      if (!visible(el)) continue;
      const cs = getComputedStyle(el);
      const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
      if (own) add(el, own, cs, cs.color);
      if ((el.tagName === "INPUT" || el.tagName === "TEXTAREA") && el.type !== "hidden") {
        if (el.value) add(el, el.value, cs, cs.color);
        else if (el.placeholder) add(el, `placeholder: ${el.placeholder}`, cs, getComputedStyle(el, "::placeholder").color);
      }
      for (const pseudo of ["::before", "::after"]) {
        const ps = getComputedStyle(el, pseudo);
        const m = /^"(.+)"$/.exec(ps.content);
        if (m && m[1].trim() && ps.display !== "none") {
          const pbg = parse(ps.backgroundColor);
          add(el, `${pseudo} ${m[1]}`, ps, ps.color, pbg[3] > 0 ? pbg : undefined);
        }
      }
    }
    return out;
  });
}

/**
 * Overlaps between the visible parts of each `.card` (headings, paragraphs, labels, inputs,
 * buttons, links, images, separators, the error box) that do not contain one another, parts
 * sticking out of their card, cards outside the viewport and horizontal scrolling.
 */
export async function layoutReport(page) {
  await installHelpers(page);
  return page.evaluate(() => {
    const { visible, describe } = window.__e2e;
    const problems = [];
    const cards = [...document.querySelectorAll(".card")].filter(visible);
    if (!cards.length) problems.push("no visible .card");
    const vw = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > vw + 1) problems.push(`horizontal scroll: content ${document.documentElement.scrollWidth}px wide in a ${vw}px viewport`);
    const parts = [];
    for (const card of cards) {
      const cr = card.getBoundingClientRect();
      if (cr.left < -1 || cr.right > vw + 1) problems.push(`${describe(card)} is outside the viewport horizontally (${Math.round(cr.left)}..${Math.round(cr.right)} of ${vw})`);
      const els = [...card.querySelectorAll("h1,h2,p,label,input:not([type=hidden]),button,a,hr,img,.error,.message")].filter(visible);
      for (const el of els) {
        const r = el.getBoundingClientRect();
        if (r.left < cr.left - 1 || r.right > cr.right + 1 || r.top < cr.top - 1 || r.bottom > cr.bottom + 1) {
          problems.push(`${describe(el)} sticks out of its card`);
        }
        parts.push({ el, r, name: `${describe(el)} "${(el.textContent || el.placeholder || el.alt || "").trim().slice(0, 30)}"` });
      }
    }
    for (let i = 0; i < parts.length; i++) {
      for (let j = i + 1; j < parts.length; j++) {
        const a = parts[i];
        const b = parts[j];
        if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
        const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        if (w > 1 && h > 1) problems.push(`${a.name} overlaps ${b.name} (${Math.round(w)}×${Math.round(h)} px)`);
      }
    }
    return { problems, parts: parts.length };
  });
}

/** Visible form controls without a label, and buttons/links without an accessible name. */
export async function labelReport(page) {
  await installHelpers(page);
  return page.evaluate(() => {
    const { visible, describe } = window.__e2e;
    const problems = [];
    for (const el of document.querySelectorAll("input, select, textarea")) {
      if (el.type === "hidden" || !visible(el)) continue;
      const viaLabel = [...(el.labels ?? [])].map((l) => l.textContent.trim()).filter(Boolean);
      const aria = (el.getAttribute("aria-label") ?? "").trim();
      const by = (el.getAttribute("aria-labelledby") ?? "").split(/\s+/).filter(Boolean).map((id) => document.getElementById(id)?.textContent.trim()).filter(Boolean);
      if (!viaLabel.length && !aria && !by.length) problems.push(`${describe(el)} (name=${el.name}) has no label`);
      for (const l of el.labels ?? []) if (!visible(l)) problems.push(`label of ${describe(el)} is not visible`);
    }
    for (const el of document.querySelectorAll("button, a[href], [role=button]")) {
      if (!visible(el)) continue;
      const name = (el.getAttribute("aria-label") ?? "").trim() || el.textContent.trim() || [...el.querySelectorAll("img[alt]")].map((i) => i.alt.trim()).join(" ");
      if (!name) problems.push(`${describe(el)} has no accessible name`);
    }
    return problems;
  });
}

/** The visible, keyboard-focusable elements in DOM order (what Tab should visit). */
export async function focusables(page) {
  await installHelpers(page);
  return page.evaluate(() => {
    const { visible, describe } = window.__e2e;
    const sel = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]";
    return [...document.querySelectorAll(sel)]
      .filter((el) => visible(el) && el.tabIndex >= 0)
      .map((el, i) => {
        el.setAttribute("data-e2e-focus-index", String(i));
        return { index: i, el: describe(el), text: (el.textContent || el.getAttribute("name") || "").trim().slice(0, 40), positiveTabindex: el.tabIndex > 0 };
      });
  });
}

/** The focused element (its data-e2e-focus-index) and how its focus shows. */
export async function focusedState(page) {
  await installHelpers(page);
  return page.evaluate(() => {
    const { parse, ratio, backgroundOf, describe } = window.__e2e;
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const cs = getComputedStyle(el);
    const outlineWidth = parseFloat(cs.outlineWidth) || 0;
    const outline = cs.outlineStyle !== "none" && outlineWidth >= 1;
    // The outline is drawn around the element (outline-offset ≥ 0): compare it with what is behind the element.
    const behind = el.parentElement ? backgroundOf(el.parentElement).bg : [255, 255, 255, 1];
    const oc = parse(cs.outlineColor);
    return {
      index: el.getAttribute("data-e2e-focus-index"),
      el: describe(el),
      focusVisible: el.matches(":focus-visible"),
      outlineStyle: cs.outlineStyle,
      outlineWidth,
      outlineColor: cs.outlineColor,
      outlineContrast: outline && cs.outlineStyle !== "auto" ? Math.round(ratio(oc, behind) * 100) / 100 : null,
      boxShadow: cs.boxShadow,
      visibleIndicator: outline || (cs.boxShadow !== "none" && cs.boxShadow !== ""),
    };
  });
}
