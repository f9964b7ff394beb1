import alphaPlugin from './alpha';
import * as legacy from './index';

describe('plugin exports', () => {
  it('exports the legacy plugin, its extensions, the predicate and the API', () => {
    expect(legacy.deliveryPlugin.getId()).toBe('delivery');
    expect(legacy.EntityDeliveryContent).toBeDefined();
    expect(legacy.DeliveryPage).toBeDefined();
    expect(legacy.deliveryApiRef.id).toBe('plugin.delivery.service');
    expect(legacy.DeliveryClient).toBeDefined();
    expect(legacy.isDeliveryAvailable({ apiVersion: 'v1', kind: 'Component', metadata: { name: 'x' } })).toBe(false);
  });

  it('exports the new frontend system plugin from /alpha', () => {
    expect(alphaPlugin.id).toBe('delivery');
  });
});
