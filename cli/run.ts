#!/usr/bin/env node
// Process entry of the CLI (bin/fractal-atlas.js loads this); tests spawn it directly from any build dir.
import { runCli } from './main.js';

process.exitCode = await runCli(process.argv.slice(2));
