export { EventsTimeline } from './EventsTimeline';
export { mergeTimeline } from './mergeTimeline';
export type { TimelineEntry } from './mergeTimeline';
