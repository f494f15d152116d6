export {
  RedisStreamsBus,
  resolveRedisStreamsBusOptions,
  type RedisStreamsBusOptions,
  type ResolvedRedisStreamsBusOptions,
} from './streams-bus.js';
export {
  ResultsReader,
  readResults,
  type ResultsReaderOptions,
  type StreamedResult,
} from './results-reader.js';
export { FenceFilter, type FenceFilterOptions, type FenceVerdict } from './fence-filter.js';
export { BusPublishError, BusReadError, BusDecodeError } from './errors.js';
