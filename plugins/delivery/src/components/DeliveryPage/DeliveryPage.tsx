import {
  Content,
  Header,
  Page,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { CanarySummary } from '@delivery/plugin-delivery-common';
import useAsync from 'react-use/esm/useAsync';
import { deliveryApiRef } from '../../api';
import { PhaseStatus } from '../EntityDeliveryContent/EntityDeliveryContent';

const columns: TableColumn<CanarySummary>[] = [
  { title: 'Name', field: 'name' },
  { title: 'Phase', field: 'phase', render: row => <PhaseStatus phase={row.phase} /> },
  { title: 'Weight', field: 'canaryWeight' },
  { title: 'Cluster', field: 'cluster' },
  { title: 'Namespace', field: 'namespace' },
  { title: 'Message', field: 'message' },
];

/** The fleet page: every canary the user may see. */
export function DeliveryPage() {
  const api = useApi(deliveryApiRef);
  const { value, loading, error } = useAsync(() => api.getFleet({ limit: 100 }), [api]);
  return (
    <Page themeId="tool">
      <Header title="Delivery" subtitle="Progressive delivery across the fleet" />
      <Content>
        {loading && <Progress />}
        {error && <ResponseErrorPanel error={error} />}
        {value && (
          <Table
            title={`Rollouts (${value.total})`}
            options={{ paging: false, search: false }}
            columns={columns}
            data={value.items}
          />
        )}
      </Content>
    </Page>
  );
}
