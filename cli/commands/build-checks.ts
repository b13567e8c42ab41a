import { openAtlas } from '../../atlas/index.js';

/**
 * What `build` says about a reference before indexing it: float64 embeddings are converted to float32 (the
 * index stores float32, as the docs say), and an atlas without a `cl_id` column has labels that were never
 * resolved against the Cell Ontology (import and ingest attach CL ids; a hand-written Parquet may not).
 * Returns one line per finding; `labelsAsIs` acknowledges the second.
 */
export async function describeReference(path: string, labelsAsIs: boolean): Promise<string[]> {
  const reader = await openAtlas(path);
  const lines: string[] = [];
  if (reader.embeddingBits === 64) lines.push(`build: note: ${path} stores float64 embeddings; they are converted to float32, which is what the index stores`);
  if (!reader.hasClIds && !labelsAsIs) {
    lines.push(
      `build: warning: ${path} has no cl_id column, so its labels were not checked against the Cell Ontology ` +
        '(fractal-atlas import or ingest attach the 4 levels and CL ids); indexing them as they are (--labels-as-is silences this)',
    );
  }
  return lines;
}
