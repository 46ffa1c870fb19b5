export { installMetrics, type MetricsAccess } from './install.ts';
export { ServerMetrics } from './server-metrics.ts';
