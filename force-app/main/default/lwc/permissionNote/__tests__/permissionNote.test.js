import PermissionNote from 'c/permissionNote';
import { mount, unmountAll } from '../../../../../test/lwcTestUtils';

describe('c-permission-note', () => {
  afterEach(unmountAll);

  it('names the permission set a user needs for the action', async () => {
    const element = await mount('c-permission-note', PermissionNote, { action: 'dismiss errors' });

    expect(element.shadowRoot.querySelector('p').textContent).toBe(
      'Only users with the Auto Backup Admin permission set can dismiss errors.',
    );
  });

  it('needs the action it explains', async () => {
    const element = await mount('c-permission-note', PermissionNote);
    expect(element.shadowRoot.querySelector('p').textContent).toBe(
      'Only users with the Auto Backup Admin permission set can change Auto Backup.',
    );

    expect(() => {
      element.action = ' ';
    }).toThrow('action must name what the permission allows, got " "');
  });

  it('is accessible', async () => {
    const element = await mount('c-permission-note', PermissionNote, { action: 'start Auto Backup' });

    await expect(element).toBeAccessible();
  });
});
