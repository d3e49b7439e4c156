/** Any route this app does not know. */
import { el, replace } from '../dom';
import type { PageFactory } from '../page';

export const notFoundPage: PageFactory = (root) => {
  document.title = 'Not found · Sluice';
  replace(root, el('h1', null, 'Not found'), el('p', null, 'There is no such page. ', el('a', { href: '#/' }, 'Back to the files')));
  return { refresh: () => {}, dispose: () => {} };
};
