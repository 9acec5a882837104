#!/usr/bin/env node
// The README's main job until examples/gateway exists: print the envelope tour.
import { runDemo } from './demo.js';

runDemo((line) => process.stdout.write(`${line}\n`));
