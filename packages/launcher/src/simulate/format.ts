/** The simulator's table. */
import { renderTable } from '../summary.js';
import type { SimRow } from './model.js';

export interface SimTableRow extends SimRow {
  nodes: number;
}

const ms = (s: number): string => (s * 1000).toFixed(2);

export function simulationTable(rows: readonly SimTableRow[]): string {
  return renderTable(
    rows.map((r) => ({
      nodes: r.nodes,
      configuration: r.label,
      'comm/step ms': ms(r.stepCommSeconds),
      'global avg ms': r.globalAvgPeriod === null ? '-' : `${ms(r.periodicSeconds)} /${r.globalAvgPeriod}`,
      'compute ms': ms(r.computeSeconds),
      'step ms': ms(r.stepSeconds),
      'speedup vs psgd': r.speedupPerStep === null ? '-' : `${r.speedupPerStep.toFixed(2)}x`,
    })),
  );
}
