export {
  RedisStreamsBus,
  DEFAULT_RESULTS_STREAM,
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
export { BusPublishError, BusReadError, BusDecodeError } from './errors.js';
