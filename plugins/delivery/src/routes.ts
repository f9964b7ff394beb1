import { createRouteRef } from '@backstage/core-plugin-api';

export const rootRouteRef = createRouteRef({ id: 'delivery' });
export const entityContentRouteRef = createRouteRef({ id: 'delivery:entity-content' });
