import type { Command } from '../command.js';
import { hierarchyCommand } from './hierarchy.js';

/** Every sub-command, in the order `fractal-atlas help` lists them. Add new commands here. */
export const COMMANDS: readonly Command[] = [hierarchyCommand];
