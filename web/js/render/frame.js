// Drawing at most once a frame, at sizes kept from ResizeObservers: many updates arriving in one frame
// cost one drawing, and a canvas's size is never read from the layout (reading clientWidth after the
// page changed forces a layout of the whole page).

/** `soon()` asks for `draw()` at the next animation frame, once however often it is asked. */
export function frameScheduler(draw) {
  let request = null;
  return function soon() {
    request ??= requestAnimationFrame(() => {
      request = null;
      draw();
    });
  };
}

/** The CSS size of every canvas it observes, kept as the ResizeObserver reports it; `onResize()` after
 * each change (a drawing at the new size, typically scheduled). */
export class CanvasSizes {
  constructor(onResize = () => {}) {
    this.sizes = new WeakMap();
    this.observer = new ResizeObserver((entries) => {
      for (const e of entries) this.sizes.set(e.target, { width: e.contentRect.width, height: e.contentRect.height });
      onResize();
    });
  }

  observe(canvas) {
    this.observer.observe(canvas);
    return canvas;
  }

  /** {width, height} of `canvas`, or undefined before its first report (setupHiDPI then reads it once). */
  get(canvas) {
    return this.sizes.get(canvas);
  }
}
