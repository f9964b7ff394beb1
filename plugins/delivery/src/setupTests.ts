import '@testing-library/jest-dom';

// jsdom has no layout: recharts' ResponsiveContainer needs a ResizeObserver to exist and then falls back to its
// initial dimension, which is all the chart tests need.
class NoopResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
if (!('ResizeObserver' in globalThis)) {
  Object.defineProperty(globalThis, 'ResizeObserver', { value: NoopResizeObserver, writable: true });
}
