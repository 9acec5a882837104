/**
 * The seeded PRNG of the tests and benchmarks under test/ is the kit's (one implementation):
 * mulberry32, the same sequence for the same seed on every run.
 */
export { prng } from '@mailroute/testing';
