-- name: iam_changes
-- description: Calls to IAM that change something (users, roles, groups, policies, keys, MFA), allowed or denied (CIS 4.4 and more).
-- params: start_day, end_day
SELECT
    eventtime,
    account,
    COALESCE(useridentity.arn, useridentity.principalid, useridentity.invokedby) AS principal,
    eventname,
    COALESCE(
        json_extract_scalar(requestparameters, '$.userName'),
        json_extract_scalar(requestparameters, '$.roleName'),
        json_extract_scalar(requestparameters, '$.groupName'),
        json_extract_scalar(requestparameters, '$.instanceProfileName')
    ) AS target,
    COALESCE(
        json_extract_scalar(requestparameters, '$.policyArn'),
        json_extract_scalar(requestparameters, '$.policyName')
    ) AS policy,
    errorcode,
    sourceipaddress,
    eventid
FROM cloudtrail_logs
WHERE day BETWEEN ? AND ?
    AND eventsource = 'iam.amazonaws.com'
    AND COALESCE(readonly, 'false') <> 'true'
    AND NOT regexp_like(eventname, '^(Get|List|Generate|Simulate)')
ORDER BY eventtime, eventid
