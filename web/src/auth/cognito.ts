/**
 * Cognito through Amplify (aws-amplify/auth): SRP sign-in, sign-up, confirmation, password
 * reset. Locally the user pool is the local AWS, reached through `userPoolEndpoint`.
 */

import { Amplify } from "aws-amplify";
import { fetchAuthSession } from "aws-amplify/auth";

import type { RuntimeConfig } from "../config";

export function configureCognito(config: RuntimeConfig): void {
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: config.userPoolId,
        userPoolClientId: config.userPoolClientId,
        ...(config.userPoolEndpoint ? { userPoolEndpoint: config.userPoolEndpoint } : {}),
        loginWith: { username: true, email: true },
        signUpVerificationMethod: "code",
      },
    },
  });
}

/**
 * The ID token the API's JWT authorizer checks (its audience is the app client); it also
 * carries the email and name the API makes the profile from. Amplify refreshes it when it has
 * expired; undefined when the session cannot be renewed.
 */
export async function currentIdToken(): Promise<string | undefined> {
  try {
    const session = await fetchAuthSession();
    return session.tokens?.idToken?.toString();
  } catch {
    return undefined;
  }
}
