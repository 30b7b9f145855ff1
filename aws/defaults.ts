/**
 * Where an emulator runs when nothing says otherwise: the AWS CLI's and the SDKs' usual region, and
 * the account id LocalStack and most emulators answer with. The local cloud, the operations tools
 * and the benchmarks take them from here.
 */

/** The region of the local cloud and of a target that names none. */
export const DEFAULT_REGION = 'us-east-1';

/** The account id of the local cloud (LocalStack's too) and of an account that cannot be read. */
export const LOCAL_ACCOUNT_ID = '000000000000';
