// The example graph as a module: the DeletionPipeline bundles its functions from this file.
import { exampleGraph } from './example-graph.js';

export const graph = exampleGraph();
