export interface Config {
  /** Configuration of the Delivery plugins. */
  delivery?: {
    /**
     * Clusters to watch (and, where `reconciler.clusters` says so, to reconcile). Same shape as the Kubernetes
     * plugin's `type: config` clusters. When absent, the clusters of `kubernetes.clusterLocatorMethods` entries of
     * `type: config` are used, so an app that already configures the Kubernetes plugin needs nothing more.
     */
    clusters?: Array<{
      /** Unique name shown in the UI and used in canary keys. */
      name: string;
      /** API server URL. */
      url: string;
      /** Only `serviceAccount` is supported: the token below is used as a bearer token. */
      authProvider?: 'serviceAccount';
      /**
       * Bearer token of the ServiceAccount the plugin acts as.
       * @visibility secret
       */
      serviceAccountToken?: string;
      /**
       * Base64 PEM of the API server's CA.
       * @visibility secret
       */
      caData?: string;
      /** Path to a PEM file with the API server's CA. */
      caFile?: string;
      /** Skip TLS verification (local clusters only). */
      skipTLSVerify?: boolean;
      /**
       * Link to the cluster's dashboard, shown on the Delivery tab.
       * @visibility frontend
       */
      dashboardUrl?: string;
    }>;
    /** The canary reconciler: which clusters and namespaces this backend drives (the rest are only watched). */
    reconciler?: {
      /** Turn the reconciler on. Default false: the plugin only observes (for example an upstream Flagger). */
      enabled?: boolean;
      /** Cluster names to reconcile; default all configured clusters. */
      clusters?: string[];
      /** Namespaces to reconcile; default all. */
      namespaces?: string[];
      /** Default Prometheus URL for built-in metrics (Flagger's `-metrics-server`). Default `http://prometheus:9090`. */
      metricsServer?: string;
      /** Mesh provider used when a Canary sets no `spec.provider` (Flagger's `-mesh-provider`). Default `kubernetes`. */
      meshProvider?: string;
      /** Maximum canaries analysed at once. Default 16. */
      workers?: number;
      /** Maximum concurrent queries per Prometheus endpoint. Default 8. */
      maxQueriesPerEndpoint?: number;
      /** Namespace of the leader-election Lease. Default `kube-system`. */
      leaseNamespace?: string;
      /** Name of the leader-election Lease (one per cluster). Default `delivery-reconciler`. */
      leaseName?: string;
      /** Lowest `analysis.interval` honoured, in seconds (Flagger: 10). Lower it only for tests and demos. */
      minIntervalSeconds?: number;
      /**
       * Where the alerts of canaries without `analysis.alerts` go, at every severity (Flagger's `-slack-url`,
       * `-msteams-url`, … flags). Canaries with `analysis.alerts` use their AlertProviders instead. Default: none.
       */
      notifier?: {
        /** Payload format: `slack`, `msteams`, `discord`, `rocket` or `gchat`. */
        type: 'slack' | 'msteams' | 'discord' | 'rocket' | 'gchat';
        /**
         * Incoming webhook URL.
         * @visibility secret
         */
        url: string;
        /** Channel (Slack, Discord, Rocket.Chat). Default `general`. */
        channel?: string;
        /** Bot user name (Slack, Discord, Rocket.Chat). Default `flagger`. */
        username?: string;
        /**
         * HTTP proxy the POSTs go through (CONNECT tunnel), e.g. `http://proxy:3128`.
         * @visibility secret
         */
        proxy?: string;
        /**
         * Slack only: sent as `Authorization: Bearer <token>`.
         * @visibility secret
         */
        token?: string;
      };
      /**
       * Receives every Kubernetes event the reconciler records for canaries that have no webhook of type `event`
       * (Flagger's `-event-webhook` / `EVENT_WEBHOOK_URL`). Default: none.
       * @visibility secret
       */
      eventWebhookUrl?: string;
    };
    /** History kept in the plugin database. */
    history?: {
      /** Days of runs, checks and events to keep. Default 30. */
      retentionDays?: number;
    };
    /** Links to Grafana from the Delivery tab. */
    grafana?: {
      /**
       * Base URL of Grafana, e.g. `https://grafana.example.com`.
       * @visibility frontend
       */
      baseUrl?: string;
      /**
       * Dashboard path per provider (`linkerd`, `nginx`, `gatewayapi`, `default`), e.g. `/d/flagger-linkerd/canary`.
       * @visibility frontend
       */
      dashboards?: { [provider: string]: string };
    };
    /**
     * Read by the example permission policy of this repository's app (packages/backend/src/permissionPolicy.ts),
     * not by the plugin: clusters where only release managers may approve, and the group that holds that role.
     */
    permissionPolicy?: {
      protectedClusters?: string[];
      /** Entity ref of the release managers' group, e.g. `group:default/release-managers`. */
      releaseManagers?: string;
    };
    /** Approval gates. */
    gates?: {
      /** Distinct approvers a gate needs unless the Canary or entity says otherwise. Default 1. */
      requiredApprovals?: number;
      /**
       * Shared secrets, per cluster name, that an upstream Flagger's gate webhooks carry in their URL.
       * @visibility secret
       */
      clusterSecrets?: { [cluster: string]: string };
    };
  };
}
