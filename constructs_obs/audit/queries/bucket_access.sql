-- name: bucket_access
-- description: Who read or wrote a bucket and its objects: every S3 call naming it (object-level data events and bucket-level calls), allowed or denied.
-- params: start_day, end_day, bucket_name
SELECT
    eventtime,
    account,
    awsregion,
    COALESCE(useridentity.arn, useridentity.principalid, useridentity.invokedby) AS principal,
    eventname,
    CASE readonly WHEN 'true' THEN 'read' WHEN 'false' THEN 'write' END AS access,
    json_extract_scalar(requestparameters, '$.key') AS object_key,
    errorcode,
    sourceipaddress,
    eventid
FROM cloudtrail_logs
WHERE day BETWEEN ? AND ?
    AND eventsource = 's3.amazonaws.com'
    AND json_extract_scalar(requestparameters, '$.bucketName') = ?
ORDER BY eventtime, eventid
