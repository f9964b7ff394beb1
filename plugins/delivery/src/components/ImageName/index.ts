export { ImageName } from './ImageName';
