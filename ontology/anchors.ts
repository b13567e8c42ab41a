/** A Cell Ontology term that names a hierarchy level value. */
export interface Anchor {
  readonly id: string;
  /** The level value written into the atlas (e.g. "Immune"). */
  readonly name: string;
}

/**
 * Level 1 primary anchors, in priority order: at equal distance the earlier one wins.
 * CL:0000988 hematopoietic cell, CL:0000066 epithelial cell, CL:0002319 neural cell, CL:0000115 endothelial
 * cell, CL:0002320 connective tissue cell, CL:0000187 muscle cell.
 */
export const SYSTEM_ANCHORS: readonly Anchor[] = [
  { id: 'CL:0000988', name: 'Immune' },
  { id: 'CL:0000066', name: 'Epithelial' },
  { id: 'CL:0002319', name: 'Neural' },
  { id: 'CL:0000115', name: 'Endothelial' },
  { id: 'CL:0002320', name: 'Stromal' },
  { id: 'CL:0000187', name: 'Muscle' },
];

/** Level 1 second pass: CL:0000034 stem cell, used only when no primary anchor is reachable. */
export const STEM_ANCHOR: Anchor = { id: 'CL:0000034', name: 'Stem/Progenitor' };

/** The level value for terms no anchor reaches, and for the manual overrides. */
export const OTHER = 'Other';

/**
 * Level 2 lineage anchors, in priority order (earlier wins at equal distance). CL:0000542 lymphocyte,
 * CL:0000766 myeloid leukocyte, CL:0001065 innate lymphoid cell, CL:0000540 neuron, CL:0000125 glial cell,
 * CL:0000057 fibroblast, CL:0000499 stromal cell, CL:0000136 fat cell, CL:0000192 smooth muscle cell,
 * CL:0000746 cardiac muscle cell, CL:0000188 cell of skeletal muscle.
 */
export const LINEAGE_ANCHORS: readonly Anchor[] = [
  { id: 'CL:0000542', name: 'Lymphoid' },
  { id: 'CL:0000766', name: 'Myeloid' },
  { id: 'CL:0001065', name: 'Innate Lymphoid' },
  { id: 'CL:0000540', name: 'Neuron' },
  { id: 'CL:0000125', name: 'Glial' },
  { id: 'CL:0000057', name: 'Fibroblast' },
  { id: 'CL:0000499', name: 'Stromal' },
  { id: 'CL:0000136', name: 'Adipocyte' },
  { id: 'CL:0000192', name: 'Smooth Muscle' },
  { id: 'CL:0000746', name: 'Cardiac Muscle' },
  { id: 'CL:0000188', name: 'Skeletal Muscle' },
];

/**
 * Labels that SCimilarity uses for terms obsolete in recent CL releases: they map to "Other" at levels 1–2
 * and to the label itself at levels 3–4. Keys are lower case. Consulted only when no name or synonym matches.
 */
export const NAME_OVERRIDES: Readonly<Record<string, string>> = {
  'native cell': 'CL:0000003',
  'animal cell': 'CL:0000548',
};
