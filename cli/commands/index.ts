import type { Command } from '../command.js';
import { evalCommand } from './eval.js';
import { exportTrainingSetCommand } from './export-training-set.js';
import { trainCommand } from './train.js';
import { exportEncoderCommand } from './export-encoder.js';
import { encodeCommand } from './encode.js';
import { annotateCommand } from './annotate.js';
import { demoAtlasCommand } from './demo-atlas.js';
import { hierarchyCommand } from './hierarchy.js';
import { importCommand } from './import.js';
import { ingestCommand } from './ingest.js';
import { serveCommand } from './serve.js';
import { startCommand } from './start.js';
import { stratifyCommand } from './stratify.js';
import { buildCommand } from './build.js';
import { mapCommand } from './map.js';
import { verifyCommand } from './verify.js';
import { calibrateCommand } from './calibrate.js';

/** Every sub-command, in the order `fractal-atlas help` lists them. Add new commands here. */
export const COMMANDS: readonly Command[] = [hierarchyCommand, importCommand, ingestCommand, stratifyCommand, demoAtlasCommand, exportTrainingSetCommand, trainCommand, exportEncoderCommand, encodeCommand, evalCommand, buildCommand, calibrateCommand, mapCommand, verifyCommand, annotateCommand, serveCommand, startCommand];
