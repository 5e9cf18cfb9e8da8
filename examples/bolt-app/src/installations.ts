import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';

/**
 * Where the app keeps its installations: one per workspace, or one per organization for an org-wide install.
 * In memory here; a real app puts the same in its database.
 */
export class Installations implements InstallationStore {
  readonly #byKey = new Map<string, Installation>();

  async storeInstallation(installation: Installation): Promise<void> {
    this.#byKey.set(keyOf(installation.isEnterpriseInstall === true, installation.enterprise?.id, installation.team?.id), installation);
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation> {
    const installation = this.#byKey.get(keyOf(query.isEnterpriseInstall, query.enterpriseId, query.teamId));
    if (installation === undefined) throw new Error(`the app is not installed in ${query.teamId ?? query.enterpriseId}`);
    return installation;
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    this.#byKey.delete(keyOf(query.isEnterpriseInstall, query.enterpriseId, query.teamId));
  }

  forTeam(teamId: string): Installation | undefined {
    return this.#byKey.get(keyOf(false, undefined, teamId));
  }
}

function keyOf(orgWide: boolean, enterpriseId: string | undefined, teamId: string | undefined): string {
  return orgWide ? `enterprise:${enterpriseId}` : `team:${teamId}`;
}
