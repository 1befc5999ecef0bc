// `lethe/cdk`: the DeletionPipeline construct, its props, and what alarms and dashboards built
// on it need (metric names, the graph's access summary).

// First: on an unsupported Node, one clear error before anything else loads.
import '../lib/require-supported-node.js';

export { METRIC, METRICS_NAMESPACE } from '../functions/metric-names.js';
export type { PipelineAlarms } from './deletion-pipeline.js';
export { DeletionPipeline } from './deletion-pipeline.js';
export type { AlarmThresholds, DeletionPipelineProps } from './deletion-pipeline-props.js';
export { type GraphAccess, graphAccess, type ObjectArea } from './graph-access.js';
export { PipelinePropsError } from './resolve-pipeline-props.js';
