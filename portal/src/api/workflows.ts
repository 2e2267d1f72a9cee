// The caller's workflow catalogue (GET /v1/workflows), read once and shared by the pages that offer a workflow.
import { useState } from 'react';
import { useApiQuery } from './query';
import type { CatalogueWorkflow } from './types';

/** The catalogue changes with a deployment, not while an operator looks at it. */
const CATALOGUE_STALE_MS = 5 * 60_000;

export interface WorkflowChoice {
  workflows: CatalogueWorkflow[];
  /** The picked workflow's id: the catalogue's first until the operator picks another; '' while there is none. */
  workflowId: string;
  pick(workflowId: string): void;
  problem: Error | null;
}

/** The catalogue's workflows (empty until read). */
export function useCatalogueWorkflows(): CatalogueWorkflow[] {
  return useCatalogue().data?.workflows ?? [];
}

function useCatalogue() {
  return useApiQuery<{ workflows: CatalogueWorkflow[] }>(['workflows'], '/v1/workflows', { staleTime: CATALOGUE_STALE_MS });
}

/** A workflow's name from the catalogue; null while unknown (not read yet, or no longer in the catalogue). */
export function useWorkflowName(workflowId: string | null): string | null {
  const catalogue = useCatalogue();
  return catalogue.data?.workflows.find((w) => w.id === workflowId)?.name ?? null;
}

export function useWorkflowChoice(): WorkflowChoice {
  const catalogue = useCatalogue();
  const [picked, setPicked] = useState('');
  const workflows = catalogue.data?.workflows ?? [];
  return { workflows, workflowId: picked || (workflows[0]?.id ?? ''), pick: setPicked, problem: catalogue.error };
}
