import { CanaryDetails, PlannedStep } from '@delivery/plugin-delivery-common';
import Box from '@material-ui/core/Box';
import Step from '@material-ui/core/Step';
import StepLabel from '@material-ui/core/StepLabel';
import Stepper from '@material-ui/core/Stepper';
import Typography from '@material-ui/core/Typography';
import { checksOfRun, currentRun } from '../../format';

const GATES = new Set<PlannedStep['kind']>(['gate', 'promotion-gate']);

/**
 * Failed checks of the run. Flagger zeroes `failedChecks` when it marks a run Failed, which would read "0 / 5"
 * next to a failed rollout; then the recorded checks of that run tell the real count.
 */
export function failedChecksOf(canary: CanaryDetails): number {
  if (canary.phase !== 'Failed' || canary.failedChecks > 0) return canary.failedChecks;
  // Count ticks, not checks: a tick with several failing checks adds one failed check, as Flagger counts it.
  const failing = checksOfRun(canary.checks, currentRun(canary.runs)).filter(c => !c.passed);
  return new Set(failing.map(c => Date.parse(c.time))).size;
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
  const done = canary.phase === 'Succeeded' ? steps.length : canary.currentStep;
  const failed = failedChecksOf(canary);
  return (
    <Box>
      <Box overflow="auto">
        <Stepper activeStep={done} alternativeLabel aria-label="planned steps">
          {steps.map((step, i) => {
            const current = i === canary.currentStep;
            const caption = stepCaption(step, current, canary);
            return (
              <Step key={`${step.kind}-${step.label}`} aria-current={current ? 'step' : undefined}>
                <StepLabel
                  error={current && canary.phase === 'Failed'}
                  optional={caption && <Typography variant="caption">{caption}</Typography>}
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
