-- name: console_signins_without_mfa
-- description: Successful console sign-ins that did not use MFA (CIS 4.2), by any kind of user; MFAUsed compared ignoring case.
-- params: start_day, end_day
SELECT
    eventtime,
    account,
    useridentity.type AS user_type,
    COALESCE(useridentity.arn, useridentity.principalid) AS principal,
    useridentity.username AS username,
    sourceipaddress,
    useragent,
    json_extract_scalar(additionaleventdata, '$.MFAUsed') AS mfa_used,
    eventid
FROM cloudtrail_logs
WHERE day BETWEEN ? AND ?
    AND eventsource = 'signin.amazonaws.com'
    AND eventname = 'ConsoleLogin'
    AND json_extract_scalar(responseelements, '$.ConsoleLogin') = 'Success'
    -- AWS writes "Yes" for IAM users and "YES" for the root user; text that is not JSON or has
    -- no MFAUsed key counts as a sign-in without MFA.
    AND COALESCE(upper(json_extract_scalar(additionaleventdata, '$.MFAUsed')), 'NO') <> 'YES'
ORDER BY eventtime, eventid
