// Elements and equations for the views that write the book's mathematics: an equation comes from a
// tiny markup — <b>, <sup>, <sub>, <span class="note"> and &nbsp; only — built as DOM nodes with
// textContent: the page never has the browser parse markup at run time.

export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function equation(markup) {
  const p = el("p", "equation");
  const stack = [p];
  for (const part of markup.replace(/&nbsp;/g, "\u00a0").replace(/&gt;/g, ">").split(/(<\/?(?:b|sup|sub|span)(?: class="note")?>)/)) {
    if (!part) continue;
    const open = part.match(/^<(b|sup|sub|span)(?: class="(note)")?>$/);
    if (open) {
      const node = el(open[1], open[2]);
      stack[stack.length - 1].append(node);
      stack.push(node);
    } else if (/^<\//.test(part)) {
      stack.pop();
    } else {
      stack[stack.length - 1].append(part);
    }
  }
  return p;
}

const SUB = "₀₁₂₃₄₅₆₇₈₉", SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹";
export const sub = (n) => String(n).split("").map((d) => SUB[+d]).join("");
export const sup = (n) => String(n).split("").map((d) => SUP[+d]).join("");
