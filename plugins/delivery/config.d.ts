export interface Config {
  delivery?: {
    grafana?: {
      /**
       * Base URL of Grafana for "Open in Grafana" links.
       * @visibility frontend
       */
      baseUrl?: string;
      /**
       * Dashboard path per provider (`linkerd`, `nginx`, `gatewayapi`, `default`).
       * @visibility frontend
       */
      dashboards?: { [provider: string]: string };
    };
    /**
     * Where the "not installed" state of the Delivery tab links to. Defaults to Flagger's installation guide.
     * @visibility frontend
     */
    installGuideUrl?: string;
    /**
     * Seconds between polls when Signals are not available. Default 15. With Signals, views still re-read their
     * list every 4 × this interval, to show what no signal announces (a cluster becoming unreachable).
     * @visibility frontend
     */
    pollIntervalSeconds?: number;
  };
}
