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

// A whole Delivery tab renders MUI, recharts and several API mocks; on a fresh clone (cold transform cache) sharing
// two cores with other suites, one such test took over jest's default 5 s. This is a hang guard, not a measurement.
jest.setTimeout(30_000);
