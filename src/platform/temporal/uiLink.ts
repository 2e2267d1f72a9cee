import type { AppConfig } from '../config';

/** The Temporal Web UI's page of a workflow execution, for the links in the API's answers. */
export function temporalUiLink(config: AppConfig, temporalWorkflowId: string): string {
  return `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(temporalWorkflowId)}`;
}
