/**
 * `npm test`'s first step beside Biome: synthesizes the pipeline's assembly for the run, or finds
 * it in the cache (unchanged sources), before its two vitest runs start. Each run's global setup
 * then finds it; without this step both would synthesize the same sources at once after an edit.
 */
import { synthesize } from '../local/stack/synth';
import { ASSEMBLIES } from '../test/local/global-setup';

synthesize(ASSEMBLIES);
