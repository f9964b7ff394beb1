import { CanaryDetails, PlannedStep } from '@delivery/plugin-delivery-common';
import Box from '@material-ui/core/Box';
import Step from '@material-ui/core/Step';
import StepLabel from '@material-ui/core/StepLabel';
import Stepper from '@material-ui/core/Stepper';
import Typography from '@material-ui/core/Typography';
import { checksOfRun, currentRun, thresholdReachedFromEvents } from '../../format';

const GATES = new Set<PlannedStep['kind']>(['gate', 'promotion-gate']);

/**
 * Failed checks of the run. Flagger zeroes `failedChecks` when it marks a run Failed, which would read "0 / 5"
 * next to a failed rollout; then the recorded checks of that run, or Flagger's rollback event, tell the real count.
 */
export function failedChecksOf(canary: CanaryDetails): number {
  if (canary.phase !== 'Failed' || canary.failedChecks > 0) return canary.failedChecks;
  // Count ticks, not checks: a tick with several failing checks adds one failed check, as Flagger counts it.
  const run = currentRun(canary.runs);
  const failing = checksOfRun(canary.checks, run).filter(c => !c.passed);
  const ticks = new Set(failing.map(c => Date.parse(c.time))).size;
  // Upstream Flagger records no checks for us; its rollback event states the count.
  return ticks > 0 ? ticks : thresholdReachedFromEvents(canary.events, run?.startedAt) ?? 0;
}

/**
 * The step to mark. Flagger sets the weight back to 0 when a run fails, so the controller no longer says where it
 * stopped; the recorded run does (the highest weight or iteration it reached).
 */
export function markedStep(canary: CanaryDetails): number {
  if (canary.currentStep >= 0 || canary.phase !== 'Failed') return canary.currentStep;
  const run = currentRun(canary.runs);
  if (!run) return -1;
  let marked = -1;
  canary.plannedSteps.forEach((s, i) => {
    if (s.kind === 'weight' && s.weight !== undefined && s.weight <= run.maxWeightReached) marked = i;
    if (s.kind === 'iteration' && s.iteration !== undefined && s.iteration <= run.maxIterationReached) marked = i;
  });
  return marked >= 0 ? marked : canary.plannedSteps.findIndex(s => s.kind === 'weight' || s.kind === 'iteration');
}

function stepCaption(step: PlannedStep, current: boolean, canary: CanaryDetails): string | undefined {
  if (!current) return undefined;
  if (canary.phase === 'Failed') return 'failed here';
  if (GATES.has(step.kind) && ['Waiting', 'WaitingPromotion'].includes(canary.phase)) {
    return 'waiting for approval';
  }
  return 'current';
}

/** The planned run as a stepper: done steps ticked, the current one marked, a failed one in error. */
export function StepsProgress(props: { canary: CanaryDetails }) {
  const { canary } = props;
  const steps = canary.plannedSteps;
  const marked = markedStep(canary);
  const done = canary.phase === 'Succeeded' ? steps.length : marked;
  const failed = failedChecksOf(canary);
  return (
    <Box>
      <Box overflow="auto">
        <Stepper activeStep={done} alternativeLabel aria-label="planned steps">
          {steps.map((step, i) => {
            const current = i === marked;
            const caption = stepCaption(step, current, canary);
            return (
              <Step key={`${step.kind}-${step.label}`} aria-current={current ? 'step' : undefined}>
                <StepLabel
                  error={current && canary.phase === 'Failed'}
                  optional={
                    caption && (
                      <Typography variant="caption" display="block" align="center">
                        {caption}
                      </Typography>
                    )
                  }
                >
                  {step.label}
                </StepLabel>
              </Step>
            );
          })}
        </Stepper>
      </Box>
      {!canary.analysisSkipped && (
        <Typography variant="body2">
          Failed checks: <strong>{`${failed} / ${canary.threshold}`}</strong>
          {failed >= canary.threshold && canary.threshold > 0 ? ' (threshold reached)' : ''}
        </Typography>
      )}
    </Box>
  );
}
